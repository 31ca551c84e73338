"""Helpers shared by the end-to-end suite (tests/e2e) and benchmarks/build_speed.py.

- goproxy: synthetic Go modules and a slow GOPROXY-protocol server on 127.0.0.1
- gosum: go.sum ("h1:") hashes computed in Python, for modules added at run time
- dockercli: the Docker CLI with BuildKit (/usr/bin/docker), builds, inspect, prune
- baseimages: local stand-ins for golang, alpine and distroless images
- scenarios: the fixture scenarios and the seam `fixed_dockerfile(scenario, mode)`
"""
