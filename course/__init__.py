"""Course tooling for instructors and tutors: release, check, bundle, autograde.

Built on nbgrader; students never need it. See ``course --help``.
"""
__version__ = "1.0.0"
