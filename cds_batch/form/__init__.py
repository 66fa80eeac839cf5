"""The school form's contract shared by the template writer and the reader.

Where each answer lives (`layout`) and how a raw answer is understood (`answers`, the answer convention).
"""
