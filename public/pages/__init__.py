"""The public app's pages: Dash registers each module here (``pages_folder``) at their own URLs."""
