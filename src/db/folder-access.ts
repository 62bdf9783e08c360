import { promises as fs } from 'node:fs'
import path from 'node:path'

/**
 * Which folder stops a user from reaching a path. To open `/a/b/c` a process needs search (execute)
 * permission on `/`, `/a`, `/a/b` and `/a/b/c`; one folder without it (a home folder with mode 0700, say)
 * blocks everything inside, whatever the permissions further down.
 */

/** The user a process runs as: its user id and primary group id. */
export interface Ids {
  uid: number
  gid: number
}

/** What the check reads of a folder (a subset of fs.Stats). */
export interface FolderMode {
  mode: number
  uid: number
  gid: number
}

export type StatOf = (folder: string) => Promise<FolderMode>

export interface Blocked {
  /** The first folder, from the root down, that the user may not pass through. */
  folder: string
  /** The chmod that would let that user through: the permission class that applies to it. */
  grant: 'u+x' | 'g+x' | 'o+x'
}

/**
 * The POSIX rule: the owner's bits if the user owns the folder, otherwise the group's bits if the folder's group
 * is the user's group, otherwise the others' bits (never a combination). Supplementary groups are deliberately
 * not considered: Node's `spawn` with a `uid` drops them (libuv calls setgroups(0)), so the embedded server runs
 * with its user and primary group only. Root (uid 0) passes everywhere. Access control lists are not read.
 */
export function permissionClass(folder: FolderMode, ids: Ids): 'u' | 'g' | 'o' {
  if (folder.uid === ids.uid) return 'u'
  if (folder.gid === ids.gid) return 'g'
  return 'o'
}

export function maySearch(folder: FolderMode, ids: Ids): boolean {
  if (ids.uid === 0) return true
  const bit = { u: 0o100, g: 0o010, o: 0o001 }[permissionClass(folder, ids)]
  return (folder.mode & bit) !== 0
}

/** `/a/b/c` → `/`, `/a`, `/a/b`, `/a/b/c`. */
export function foldersDownTo(target: string): string[] {
  const resolved = path.resolve(target)
  const { root } = path.parse(resolved)
  const folders = [root]
  let current = root
  for (const part of resolved
    .slice(root.length)
    .split(path.sep)
    .filter((p) => p !== '')) {
    current = path.join(current, part)
    folders.push(current)
  }
  return folders
}

/**
 * The first folder on the way to `target` (itself included) that the user `ids` may not pass through, or
 * undefined when the whole way is open. A folder that does not exist ends the walk: nothing below it can block.
 */
export async function blockingFolder(
  target: string,
  ids: Ids,
  statOf: StatOf = (folder) => fs.stat(folder),
): Promise<Blocked | undefined> {
  for (const folder of foldersDownTo(target)) {
    let found: FolderMode
    try {
      found = await statOf(folder)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      throw error
    }
    if (!maySearch(found, ids)) return { folder, grant: `${permissionClass(found, ids)}+x` }
  }
  return undefined
}
