"""``python -m cchc`` runs the command line."""
from .cli import main

main()
