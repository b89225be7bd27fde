from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from vpspanel.db.base import Base
from vpspanel.db.engine import create_engine
from vpspanel.db.migrate import heads, upgrade_engine
from vpspanel.state import AppState

SEED_INDEXES = {
    "service_providers": {"idx_service_providers_type", "idx_service_providers_active"},
    "vps_plans": {"idx_vps_plans_provider_id", "idx_vps_plans_active"},
    "vps_instances": {"idx_vps_instances_provider_instance_id"},
}


class TestMigrations:
    def test_there_is_exactly_one_head(self) -> None:
        assert len(heads()) == 1

    async def test_upgrade_from_an_empty_sqlite_database_creates_the_schema(
        self, tmp_path: Path
    ) -> None:
        engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}")
        try:
            await upgrade_engine(engine)
            async with engine.connect() as connection:
                tables = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
        finally:
            await engine.dispose()
        assert set(Base.metadata.tables) <= tables

    async def test_migrated_database_has_the_seed_indexes_and_unique_binding(
        self, migrated_state: AppState
    ) -> None:
        def read(connection: Connection) -> dict[str, set[str]]:
            inspector = inspect(connection)
            return {
                table: {index["name"] for index in inspector.get_indexes(table) if index["name"]}
                for table in SEED_INDEXES
            }

        async with migrated_state.engine.connect() as connection:
            indexes = await connection.run_sync(read)
            unique = await connection.run_sync(
                lambda c: [
                    index for index in inspect(c).get_indexes("vps_instances") if index["unique"]
                ]
            )
        for table, expected in SEED_INDEXES.items():
            assert expected <= indexes[table], table
        assert any(
            index["column_names"] == ["provider_id", "provider_instance_id"] for index in unique
        )

    async def test_models_agree_with_the_migrations(self, migrated_state: AppState) -> None:
        def diff(connection: Connection) -> list[object]:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "render_as_batch": True}
            )
            return list(compare_metadata(context, Base.metadata))

        async with migrated_state.engine.connect() as connection:
            differences = await connection.run_sync(diff)
        assert differences == []

    @pytest.mark.parametrize("table", ["service_providers", "vps_plans", "vps_instances"])
    async def test_seed_tables_exist(self, migrated_state: AppState, table: str) -> None:
        async with migrated_state.engine.connect() as connection:
            names = await connection.run_sync(lambda c: inspect(c).get_table_names())
        assert table in names
