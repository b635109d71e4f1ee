from services.comparator.cli import main

main()
