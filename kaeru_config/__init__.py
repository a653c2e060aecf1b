"""What every part of Kaeru may read: process settings and the site description (config/).

Neutral ground below the server (wms), the station agent (devices), the simulators and the staff
screens: it imports none of them (docs/architecture.md, "Layers").
"""
