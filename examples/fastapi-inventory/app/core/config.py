from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    app_name: str = "inventory"
    database_url: str = "postgresql+psycopg://inventory:inventory@localhost:5432/inventory"
    default_page_size: int = 50
    max_page_size: int = 200
    log_level: str = "INFO"


@lru_cache
def get_settings() -> Settings:
    return Settings()
