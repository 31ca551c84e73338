from godockerlint.cli import main

main()
