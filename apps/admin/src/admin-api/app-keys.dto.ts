import { IsString, Length } from 'class-validator';

export class CreateAppKeyDto {
  @IsString() @Length(1, 100) name: string;
}
