"""Shared foundations every stage stands on: text folding, errors, the finding catalogue, atomic files.

Imports nothing of the project.
"""
