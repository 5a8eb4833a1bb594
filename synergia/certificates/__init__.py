"""Certificates of completion: who qualifies, the register, the PDF."""
