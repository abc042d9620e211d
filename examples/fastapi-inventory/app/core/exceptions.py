"""Domain errors raised by services and turned into HTTP responses in app.main."""


class DomainError(Exception):
    status_code = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFoundError(DomainError):
    status_code = 404


class ConflictError(DomainError):
    status_code = 409


class InsufficientStockError(DomainError):
    status_code = 409
