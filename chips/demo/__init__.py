"""The demo: a synthetic CHIPS programme for Puskesmas Sempu, loaded through the one
ingest path as submissions of the real forms (``chips demo``).

``places`` puts households on the sample area layers, ``generate`` makes the programme as
plain data, ``submissions`` turns it into submission XML of the built forms, ``load``
ingests it, ``cli`` is the command.
"""
