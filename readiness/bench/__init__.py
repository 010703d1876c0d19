"""The speed budget `make bench` measures: seeding, timing in process, the load run, the report.

Every page is timed as a multiple of a trivial logged-in view measured in the same run, so
the figures compare across machines; absolute times are printed beside them.
"""
