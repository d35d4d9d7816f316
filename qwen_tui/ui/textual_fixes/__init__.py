"""textual_fixes"""
