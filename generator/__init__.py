"""digest: turn daily paper-listing dumps into a themed MkDocs site with feeds."""

__version__ = "0.1.0"
