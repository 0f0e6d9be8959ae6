"""An example safelint plugin. safelint imports this module (the entry point names it); the rule
classes it imports register themselves, as safelint's own rules do."""

from safelint_acme.blocking_call import BlockingCallInAsync
from safelint_acme.library_print import PrintInLibrary

__all__ = ["BlockingCallInAsync", "PrintInLibrary"]
