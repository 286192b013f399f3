from chips.cli import main

main()
