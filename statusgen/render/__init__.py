"""Rendering: (config, content, state) -> {site path: bytes}. Each output kind is one module:
`html` builds the pages, `outputs` everything else and the merge of the two."""
