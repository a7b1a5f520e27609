"""Plain values, ports (Protocols) and errors: what crosses between core's parts; no adapter, no framework."""
