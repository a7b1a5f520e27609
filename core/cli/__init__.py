"""`python -m core`: the argument parser, the commands and the team-gallery commands."""
