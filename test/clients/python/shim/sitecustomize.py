"""Test-only start-up shim for Debian's python3-etcd3gw, used by python-clients.test.ts.

Python imports `sitecustomize` at start-up from the first directory on sys.path that has one,
and the runner puts this directory on PYTHONPATH for the etcd3gw-based runs only, so nothing
here touches any other Python process. Each adjustment is switched on by its own variable:

CAIRN_ETCD3GW_API_PATH (e.g. "/v3/")
    Debian's etcd3gw 2.0 defaults to the /v3alpha/ gateway prefix, which etcd 3.4 no longer
    serves (it serves /v3/ and /v3beta/). This becomes the default api_path of Etcd3Client.
    Debian's tooz 3.1 also calls etcd3gw.client(..., api_path=...), an argument that etcd3gw
    2.0's client() does not accept (the two packages disagree), so client() is wrapped to
    accept it and hand it on; without that every tooz etcd3+http:// call fails before it
    reaches any server.

CAIRN_ETCD_DEFAULT_PORT (a port number)
    etcd3gw's own tests talk to the default endpoint, localhost:2379, and probe
    127.0.0.1:2379 to decide whether to skip. A connection to port 2379 on loopback is sent to
    this port instead, where the server under test listens on a free port.

Debian's own sitecustomize (the apport hook) is run afterwards, as it would be without us.
"""
import os
import socket
import sys


def _redirect_default_port(port):
    loopback = ('127.0.0.1', '::1', 'localhost')
    original_connect = socket.socket.connect

    def connect(self, address):
        if (isinstance(address, tuple) and len(address) >= 2
                and address[0] in loopback and address[1] == 2379):
            address = (address[0], port) + tuple(address[2:])
        return original_connect(self, address)

    socket.socket.connect = connect


def _default_api_path(api_path):
    import importlib
    import etcd3gw
    # The package's `client` attribute is the factory function, which hides the submodule.
    client_module = importlib.import_module('etcd3gw.client')

    init = client_module.Etcd3Client.__init__
    names = init.__code__.co_varnames[1:init.__code__.co_argcount]
    defaults = list(init.__defaults__)
    defaults[names.index('api_path') - (len(names) - len(defaults))] = api_path
    init.__defaults__ = tuple(defaults)

    original_client = client_module.client

    def client(*args, api_path=api_path, **kwargs):
        made = original_client(*args, **kwargs)
        made.api_path = api_path
        return made

    client_module.client = client
    etcd3gw.client = client


def _chain_next_sitecustomize():
    here = os.path.dirname(os.path.abspath(__file__))
    for entry in sys.path:
        candidate = os.path.join(entry or '.', 'sitecustomize.py')
        if os.path.abspath(entry or '.') == here or not os.path.isfile(candidate):
            continue
        with open(candidate, 'rb') as f:
            exec(compile(f.read(), candidate, 'exec'), {'__name__': 'sitecustomize'})
        return


if os.environ.get('CAIRN_ETCD_DEFAULT_PORT'):
    _redirect_default_port(int(os.environ['CAIRN_ETCD_DEFAULT_PORT']))
if os.environ.get('CAIRN_ETCD3GW_API_PATH'):
    _default_api_path(os.environ['CAIRN_ETCD3GW_API_PATH'])
_chain_next_sitecustomize()
