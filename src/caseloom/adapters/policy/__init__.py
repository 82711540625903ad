"""Reading the YAML policy that operations staff own into immutable specs."""

from caseloom.adapters.policy.loader import LoadedPolicy, YamlPolicyLoader

__all__ = ["LoadedPolicy", "YamlPolicyLoader"]
