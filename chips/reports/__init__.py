"""Reports and table exports as CSV and XLSX (no Flask): ``chips report`` and the pages'
download links share these."""
