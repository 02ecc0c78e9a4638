import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';

export class CreateAppKeyDto {
  @ApiProperty({
    maxLength: 100,
    description: 'What the key is for, e.g. the interface using it.',
    example: 'Front-desk POS',
  })
  @IsString()
  @Length(1, 100)
  name: string;
}
