"""Core: plain types, the one settings object, the error hierarchy and file-system helpers.

Every other package may import this one; it imports nothing from `rag` outside itself.
"""
