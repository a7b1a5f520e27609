"""The History page's glue: filters in the URL, results, the detail dialog and bulk actions."""
