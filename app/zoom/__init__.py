"""The Zoom API: Server-to-Server OAuth, meetings, registrants and the participants report."""
