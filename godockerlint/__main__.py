from godockerlint.cli.command import main

main()
