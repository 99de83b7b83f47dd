"""Reports and dashboards."""
