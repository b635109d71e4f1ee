from services.engine.cli import main

main()
