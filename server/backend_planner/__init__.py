"""backend-planner: TODO comment → stack-aware work plan → task backend."""

__version__ = "0.1.0"
