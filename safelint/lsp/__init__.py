"""``safelint server``: the Language Server Protocol front end of the engine (pygls over stdio)."""
