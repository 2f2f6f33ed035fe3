"""GTI Platform: runs an EU Integrated Territorial Investment from strategy to closed project."""
