"""The Create page's glue: the create flow's session state, and the results as they arrive."""
