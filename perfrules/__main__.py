from perfrules.cli import main

main()
