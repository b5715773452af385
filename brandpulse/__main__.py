from brandpulse.cli import main

main()
