#!/usr/bin/env python3
"""Blue-green deploys of the API; the implementation is aptichat.deploy.bluegreen (run with --help)."""

from aptichat.deploy.bluegreen import main

if __name__ == "__main__":
    main()
