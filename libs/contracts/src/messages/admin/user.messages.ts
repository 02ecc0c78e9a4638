import { IsString, IsUUID, Length } from 'class-validator';

/** Resolves the tenant user a password grant names, in the tenant of the APP key's developer. */
export class FindLoginUserRequest {
  @IsUUID() developerId: string;
  @IsString() @Length(1, 100) username: string;
}

export interface LoginUser {
  userId: string;
  tenantId: string;
}
