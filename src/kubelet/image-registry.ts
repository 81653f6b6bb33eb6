/** Where an image reference that names no registry is pulled from. */
export const DOCKER_HUB = 'docker.io';

export interface ImageRegistry {
  /** The registry's host, with its port if the image names one: the key of the response's `auth`. */
  readonly host: string;
  /** True when the image names no registry (`nginx`, `team/app`), so it is on Docker Hub. */
  readonly dockerHub: boolean;
}

/**
 * The registry an image reference names, read as the container runtime reads it
 * (distribution/reference, splitDockerDomain): the part before the first `/` is a registry when it
 * contains `.` or `:`, is `localhost`, or has an upper-case letter (a repository path never does);
 * otherwise it is the first path component of a Docker Hub repository. `index.docker.io` is the
 * legacy name of Docker Hub.
 */
export function imageRegistry(image: string): ImageRegistry {
  const slash = image.indexOf('/');
  const first = slash < 0 ? '' : image.slice(0, slash);
  const isRegistry = slash > 0 && (/[.:]/.test(first) || first === 'localhost' || first !== first.toLowerCase());
  if (!isRegistry || first === 'index.docker.io' || first === DOCKER_HUB) return { host: DOCKER_HUB, dockerHub: true };
  return { host: first, dockerHub: false };
}

// A DNS name or IPv4 address, or a bracketed IPv6 address, with an optional port; no scheme, no path.
const REGISTRY_HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?$/;

/** Whether the text is a registry host as an image reference names it: `registry.example.com`, `10.0.0.5:5000`, `[::1]:5000`. */
export function isRegistryHost(text: string): boolean {
  return REGISTRY_HOST.test(text);
}
