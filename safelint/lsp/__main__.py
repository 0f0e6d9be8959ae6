"""``python -m safelint.lsp``: the same server ``safelint server`` starts."""

from safelint.lsp.server import main

main()
