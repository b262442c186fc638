from bluev.cli import main

main()
