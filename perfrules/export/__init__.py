"""Exports of a rule pack to other tools (Great Expectations: ``perfrules.export.gx``)."""
