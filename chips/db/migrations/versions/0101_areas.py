"""areas: map layers, their features and the household area classes (maps/tables.py)

Revision ID: 0101_areas
Revises: 0001_core
"""

from alembic import op
import sqlalchemy as sa


revision = "0101_areas"
down_revision = "0001_core"
branch_labels = ("areas",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "area_layers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("feature_count", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.Column("imported_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_area_layers")),
        sa.UniqueConstraint("name", name=op.f("uq_area_layers_name")),
    )
    op.create_index(op.f("ix_area_layers_kind"), "area_layers", ["kind"], unique=False)
    op.create_table(
        "area_features",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("layer_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("size_class", sa.String(length=10), nullable=True),
        sa.Column("code", sa.String(length=40), nullable=True),
        sa.Column("properties", sa.JSON(), nullable=False),
        sa.Column("geometry_wkb", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["layer_id"], ["area_layers.id"],
            name=op.f("fk_area_features_layer_id_area_layers"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_area_features")),
    )
    op.create_index(op.f("ix_area_features_layer_id"), "area_features", ["layer_id"], unique=False)
    op.create_table(
        "household_areas",
        sa.Column("household_uuid", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("area_class", sa.String(length=20), nullable=True),
        sa.Column("in_forest", sa.Boolean(), nullable=True),
        sa.Column("in_river_setback", sa.Boolean(), nullable=True),
        sa.Column("in_railway_corridor", sa.Boolean(), nullable=True),
        sa.Column("in_ricefield", sa.Boolean(), nullable=True),
        sa.Column("river_distance_m", sa.Float(), nullable=True),
        sa.Column("river_name", sa.Text(), nullable=True),
        sa.Column("railway_distance_m", sa.Float(), nullable=True),
        sa.Column("village_code", sa.String(length=40), nullable=True),
        sa.Column("village_name", sa.Text(), nullable=True),
        sa.Column("point_hash", sa.String(length=16), nullable=False),
        sa.Column("layers_version", sa.String(length=16), nullable=False),
        sa.Column("classified_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("household_uuid", name=op.f("pk_household_areas")),
    )
    op.create_index(op.f("ix_household_areas_area_class"), "household_areas", ["area_class"], unique=False)
    op.create_index("ix_household_areas_village", "household_areas", ["village_code"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_household_areas_village", table_name="household_areas")
    op.drop_index(op.f("ix_household_areas_area_class"), table_name="household_areas")
    op.drop_table("household_areas")
    op.drop_index(op.f("ix_area_features_layer_id"), table_name="area_features")
    op.drop_table("area_features")
    op.drop_index(op.f("ix_area_layers_kind"), table_name="area_layers")
    op.drop_table("area_layers")
