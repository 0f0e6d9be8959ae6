from safelint.results import Severity
from safelint.rule import Rule


class ParseError(Rule):
    """
    ## What it does
    Reports a file that safelint cannot read, decode or parse: a syntax error, bytes that are
    not valid in the file's encoding, a NUL byte (a binary file), an unknown coding cookie, or
    code nested too deeply to analyse. The finding sits at the position of the problem.

    ## Why is this a bug
    A file that cannot be parsed cannot be checked, so none of its other bugs can be found;
    Python itself would refuse to import it. Rust: a crate that does not parse does not build.

    ## Example
    ```python
    def f(:
        return 1
    ```

    ## Use instead
    ```python
    def f():
        return 1
    ```

    ## Options
    None.

    ## Known limits
    safelint parses with the grammar of the newest Python that libcst knows; code written for
    Python 2 is reported here.
    """

    code = "SL000"
    name = "parse-error"
    severity = Severity.ERROR
    summary = "The file cannot be decoded or parsed, so it cannot be checked."
