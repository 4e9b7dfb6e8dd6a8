import { RequestMethod, type Type } from '@nestjs/common';
import { HTTP_CODE_METADATA, METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { ACCESS_RULE, type AccessRule } from './access-rule';

export const ADMIN_PREFIX = 'api/v1';

export interface AdminRoute {
  method: string;
  /** Full path with Nest parameters, e.g. `/api/v1/tenants/:t/people`. */
  path: string;
  controller: string;
  handler: string;
  rule: AccessRule | undefined;
  /** Status of a successful call (`@HttpCode`, else Nest's 201 for POST and 200 otherwise). */
  successStatus: number;
}

function joinPath(...parts: string[]): string {
  return (
    '/' +
    parts
      .flatMap((p) => p.split('/'))
      .filter((p) => p.length > 0)
      .join('/')
  );
}

/**
 * Every route of the given controllers with its access rule, read from the decorators: the
 * route table that the authorization guard enforces and the matrix test is generated from.
 */
export function listAdminRoutes(controllers: readonly Type[]): AdminRoute[] {
  return controllers.flatMap((controller) => {
    const base: unknown = Reflect.getMetadata(PATH_METADATA, controller);
    const prototype = controller.prototype as Record<string, unknown>;
    return Object.getOwnPropertyNames(prototype).flatMap((name): AdminRoute[] => {
      const handler = prototype[name];
      if (name === 'constructor' || typeof handler !== 'function') return [];
      const path: unknown = Reflect.getMetadata(PATH_METADATA, handler);
      const method: unknown = Reflect.getMetadata(METHOD_METADATA, handler);
      if (path === undefined || typeof method !== 'number') return [];
      const rule = (Reflect.getMetadata(ACCESS_RULE, handler) ??
        Reflect.getMetadata(ACCESS_RULE, controller)) as AccessRule | undefined;
      const httpCode: unknown = Reflect.getMetadata(HTTP_CODE_METADATA, handler);
      return [
        {
          method: RequestMethod[method] ?? String(method),
          path: joinPath(ADMIN_PREFIX, String(base ?? ''), String(path)),
          controller: controller.name,
          handler: name,
          rule,
          successStatus:
            typeof httpCode === 'number' ? httpCode : method === RequestMethod.POST ? 201 : 200,
        },
      ];
    });
  });
}
