from godockerlint.launcher import main

main()
