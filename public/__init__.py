"""The public instance: a separate, read-only app over the disclosure-controlled extract only.

Everything the public process runs lives here (the HTTP edge, UI, figures, pages, the extract's
reader and its gateway), so that what a public process may load is this one package and a few
foundation modules. Nothing internal imports it.
"""
