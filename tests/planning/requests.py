"""Varied feature requests the planner is held to, across every workspace."""

from __future__ import annotations

REQUESTS = [
    "Build subscription API with Stripe",
    (
        "Build a complete e-commerce order management API with orders, inventory, payments, "
        "and notifications"
    ),
    "Fix the API rate limiting issues",
    "Add password reset via email",
    "Integrate Slack notifications for failed jobs",
    "Refactor the user service into a repository layer",
    "Add file uploads to S3 for user avatars",
    "Build a comments API for blog posts with moderation",
    "Add Google OAuth login",
    "Handle GitHub webhooks to sync pull requests",
    "Send SMS order confirmations with Twilio",
    "Publish order events to Kafka",
    "Cache product listings in Redis",
    "Full-text search for articles with Elasticsearch",
    "Build an invoices endpoint with PDF export",
    "Debug slow database queries on the orders endpoint",
    "Create a REST API for managing warehouses and shipments",
    "Summarise support tickets with OpenAI",
    "Accept PayPal payments for bookings",
    "Process background jobs with RabbitMQ for report generation",
    "Protect the admin API with Auth0",
    "Build a multi-tenant billing platform with accounts, plans, invoices, and usage records",
    "Add audit logs for user actions",
    "fix: users endpoint returns 500 when email is missing",
]
