"""The one exception type for bad user input.

Anything a user can get wrong (a scenario key, a step size, a point) raises
`LandscapeError` with a one-line message; the CLI prints it and exits 2.
"""


class LandscapeError(ValueError):
    """Bad input, described in one line that names what is wrong."""
