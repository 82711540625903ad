from caseloom.entrypoints.cli import main

main()
