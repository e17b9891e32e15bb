"""Attendee lists for organisers: CSV, Excel and a printable signature list, free of frameworks."""
