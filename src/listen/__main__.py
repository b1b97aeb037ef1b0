from listen.cli import main

main()
